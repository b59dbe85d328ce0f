import type { FastifyInstance } from 'fastify';
import { InternalError, ReadOnlyKeyError } from '../errors/index.ts';
import type { ManagedKeys } from '../keys/managed-keys.ts';
import type { GatewayContext } from '../request/context.ts';
import { parseAdminInput } from './admin-input.ts';
import { createKeyBody, updateKeyBody } from './admin-schemas.ts';
import { configKeyView, managedKeyView } from './key-view.ts';
import { keyUsage } from './key-usage.ts';
import { checkModelPatterns } from './model-patterns.ts';

interface KeyRoute {
  Params: { id: string };
}

/** The admin API is on only with an `admin` block, which always brings managed keys. */
export function managedKeysOf(ctx: GatewayContext): ManagedKeys {
  if (ctx.managedKeys === null) throw new InternalError('The admin API is on without managed keys.');
  return ctx.managedKeys;
}

/**
 * `/admin/keys`: create (the secret is in the answer, once), list, show
 * with live usage, change, revoke. Config keys are listed and shown too,
 * and are read-only.
 */
export function registerKeyRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  const managed = managedKeysOf(ctx);
  const configKey = (id: string) => ctx.keys.configCallers().find((caller) => caller.id === id);

  scope.post('/admin/keys', async (request, reply) => {
    const input = parseAdminInput(createKeyBody, request.body);
    checkModelPatterns(ctx, input.models);
    const { key, secret } = await managed.create(input);
    return reply.code(201).send({ ...managedKeyView(key), key: secret });
  });

  scope.get('/admin/keys', async () => ({
    object: 'list',
    data: [...ctx.keys.configCallers().map(configKeyView), ...(await managed.list()).map((key) => managedKeyView(key))],
  }));

  scope.get<KeyRoute>('/admin/keys/:id', async (request) => {
    const { id } = request.params;
    const fromConfig = configKey(id);
    if (fromConfig !== undefined) return { ...configKeyView(fromConfig), usage: await keyUsage(ctx, id, fromConfig.limits ?? null) };
    const key = await managed.get(id);
    return { ...managedKeyView(key), usage: await keyUsage(ctx, id, key.limits) };
  });

  scope.patch<KeyRoute>('/admin/keys/:id', async (request) => {
    const { id } = request.params;
    if (configKey(id) !== undefined) throw new ReadOnlyKeyError(id);
    const changes = parseAdminInput(updateKeyBody, request.body);
    checkModelPatterns(ctx, changes.models);
    return managedKeyView(await managed.update(id, changes));
  });

  scope.delete<KeyRoute>('/admin/keys/:id', async (request) => {
    const { id } = request.params;
    if (configKey(id) !== undefined) throw new ReadOnlyKeyError(id);
    return managedKeyView(await managed.revoke(id));
  });
}
