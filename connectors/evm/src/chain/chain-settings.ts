import { z } from 'zod';

/**
 * How a step or command reaches a chain. `embedded` (the default) is an in-process EVM persisted
 * under the state dir; `rpc` is any JSON-RPC node, signing with a key from the environment or an
 * encrypted keystore. Key material itself is never part of the settings, only where to find it.
 */
export const ChainSettingsSchema = z
  .object({
    mode: z.enum(['embedded', 'rpc']).default('embedded'),
    rpcUrl: z.string().url().optional(),
    /** Required for `rpc`: a node answering with another id is refused. */
    chainId: z.number().int().positive().optional(),
    privateKeyEnv: z.string().optional(),
    keystore: z.string().optional(),
    keystorePasswordEnv: z.string().optional(),
    confirmations: z.number().int().min(1).default(1),
    /** Milliseconds to wait for a transaction's confirmations. */
    timeoutMs: z.number().int().positive().default(120_000),
    /** Contract addresses; default: the deployment recorded under the state dir. */
    registry: z.string().optional(),
    token: z.string().optional(),
    /** Embedded chain only: its folder; default `<stateDir>/chain/embedded`. */
    dir: z.string().optional(),
    /** Embedded chain only: keep it in memory (tests). */
    ephemeral: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'rpc') {
      if (!s.rpcUrl) ctx.addIssue({ code: 'custom', path: ['rpcUrl'], message: 'chain.mode rpc needs chain.rpcUrl' });
      if (!s.chainId) ctx.addIssue({ code: 'custom', path: ['chainId'], message: 'chain.mode rpc needs chain.chainId' });
    }
  });

export type ChainSettings = z.output<typeof ChainSettingsSchema>;
export type ChainSettingsInput = z.input<typeof ChainSettingsSchema>;

export function parseChainSettings(value: unknown): ChainSettings {
  return ChainSettingsSchema.parse(value ?? {});
}
