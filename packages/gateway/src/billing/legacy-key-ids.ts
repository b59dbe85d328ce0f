/**
 * Fills in `key_id` on rows written before usage was counted by caller id:
 * back then every key came from the config file (id `config:<name>`) or the
 * gateway was open (`anonymous`). `$TABLE` stands for the ledger's table.
 */
export const LEGACY_KEY_IDS = "UPDATE $TABLE SET key_id = CASE WHEN key = 'anonymous' THEN 'anonymous' ELSE 'config:' || key END WHERE key_id IS NULL;";
