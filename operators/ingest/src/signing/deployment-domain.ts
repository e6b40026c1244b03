import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * What binds a signed submission to one deployment: the chain id and a random 32-byte deployment
 * id (the EIP-712 domain's `salt`). It lives beside the Datanet's inbox, as intake's processed/
 * and quarantine/ folders do (`<inbox>/../.deployment/<datanet>.json`), so everything that writes or
 * reads that inbox (intake, `datanet submit`, the HTTP API, replicas sharing the state folder)
 * agrees on it, and a manifest signed for another deployment does not verify here.
 */
export interface DeploymentDomain {
  chainId: number;
  /** 0x + 64 hex digits. */
  salt: string;
}

/**
 * Strict, with a refusal of the EIP-712 domain's other fields that says why: a client that copies
 * the whole domain from `GET .../signing-domain` sends `name` and `version` too, which `format` implies.
 */
export const DeploymentDomainSchema = z.strictObject(
  {
    chainId: z
      .int()
      .min(1)
      .max(2 ** 48),
    salt: z.string().regex(/^0x[0-9a-f]{64}$/, 'salt must be 0x followed by 64 lower-case hex digits'),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'give only chainId and salt (the EIP-712 domain\'s name and version follow from "format": datanet-submission/2 is name "datanet-submission", version "2")'
        : undefined,
  },
);

/** Where an inbox's deployment identity is kept. */
export function deploymentFile(inbox: string): string {
  return join(dirname(inbox), '.deployment', `${basename(inbox)}.json`);
}
const DEFAULT_CHAIN_ID = 31337;

/** Identities never change once written: a server reads each inbox's once. */
const known = new Map<string, DeploymentDomain>();

/** The inbox's deployment identity, made once (concurrent makers agree: the first file wins). */
export async function deploymentDomain(inbox: string): Promise<DeploymentDomain> {
  const cached = known.get(inbox);
  if (cached) return cached;
  const made = await readOrMake(inbox);
  known.set(inbox, made);
  return made;
}

async function readOrMake(inbox: string): Promise<DeploymentDomain> {
  const existing = await readDeployment(inbox);
  if (existing) return existing;
  const file = deploymentFile(inbox);
  await mkdir(dirname(file), { recursive: true });
  const chainId = Number(process.env.DATANET_CHAIN_ID ?? DEFAULT_CHAIN_ID);
  const made: DeploymentDomain = { chainId, salt: `0x${randomBytes(32).toString('hex')}` };
  try {
    await writeFile(file, `${JSON.stringify(made)}\n`, { flag: 'wx' });
    return made;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another writer made it between our read and write: wait for its bytes, then use them.
    for (let i = 0; i < 50; i++) {
      const other = await readDeployment(inbox);
      if (other) return other;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${file} exists but cannot be read as a deployment identity`);
  }
}

/** The inbox's deployment identity, or undefined when it has none yet (nothing signed for it). */
export async function readDeployment(inbox: string): Promise<DeploymentDomain | undefined> {
  let text: string;
  try {
    text = await readFile(deploymentFile(inbox), 'utf8');
  } catch {
    return undefined;
  }
  return parseDeployment(text, deploymentFile(inbox));
}

function parseDeployment(text: string, file: string): DeploymentDomain | undefined {
  if (text.trim() === '') return undefined; // being written
  const parsed = DeploymentDomainSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function sameDeployment(a: DeploymentDomain, b: DeploymentDomain): boolean {
  return a.chainId === b.chainId && a.salt.toLowerCase() === b.salt.toLowerCase();
}
