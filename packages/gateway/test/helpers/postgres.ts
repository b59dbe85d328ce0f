import pg from 'pg';

/** Drop the tables a test made in DATABASE_URL's database (nothing to do without it). */
export async function dropPostgresTables(names: readonly string[]): Promise<void> {
  if (!process.env.DATABASE_URL || names.length === 0) return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${names.join(', ')}`);
  } finally {
    await client.end();
  }
}
