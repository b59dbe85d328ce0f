import { z } from 'zod';
import { keyLimitsSchema } from '../limits/limit-spec.ts';
import { USAGE_GROUPINGS } from '../billing/usage-query.ts';
import { teamNameSchema } from '../config/schema.ts';

const name = z.string().trim().min(1, 'a name is required').max(200, 'at most 200 characters');

const teamName = teamNameSchema;

/** A model allow-list entry: an alias, or `<provider>/<model>`, either with `*` for any run of characters. */
const modelPattern = z.string().min(1, 'a model name or pattern is required').max(256, 'at most 256 characters').regex(/^\S+$/, 'no spaces in a model name or pattern');
const models = z.array(modelPattern).min(1, 'list at least one model, or leave models out to allow every model').max(256, 'at most 256 entries');

/** An ISO 8601 time with its offset (`2026-12-31T00:00:00Z`), as milliseconds. */
const isoTime = z.iso.datetime({ offset: true, message: 'write an ISO 8601 time with its offset, like 2026-12-31T00:00:00Z' }).transform((text) => Date.parse(text));

export const createKeyBody = z.strictObject({
  name,
  team: teamName.optional(),
  models: models.optional(),
  expiresAt: isoTime.refine((at) => at > Date.now(), 'must be in the future').optional(),
  limits: keyLimitsSchema.optional(),
});

/** A field given as null is cleared; an absent one is left as it is. */
export const updateKeyBody = z.strictObject({
  name: name.optional(),
  team: teamName.nullable().optional(),
  models: models.nullable().optional(),
  expiresAt: isoTime.nullable().optional(),
  limits: keyLimitsSchema.nullable().optional(),
});

export const createTeamBody = z.strictObject({ name: teamName, limits: keyLimitsSchema.optional() });

export const updateTeamBody = z.strictObject({ limits: keyLimitsSchema.nullable() });

/** A day (`2026-12-01`, its UTC midnight) or an ISO time; `to` is exclusive. */
const queryTime = z.union([z.iso.date().transform((day) => Date.parse(`${day}T00:00:00Z`)), isoTime], { message: 'write a day like 2026-12-01 or an ISO 8601 time like 2026-12-01T12:00:00Z' });

export const usageQuery = z.strictObject({
  from: queryTime.optional(),
  to: queryTime.optional(),
  key: z.string().min(1).max(200).optional(),
  team: teamName.optional(),
  model: z.string().min(1).max(256).optional(),
  groupBy: z.enum(USAGE_GROUPINGS, { message: `groupBy is one of ${USAGE_GROUPINGS.join(', ')}` }).default('key'),
});
