// The VOD account the backend's tests run against in the simulator. The AK/SK pair is the
// example of Huawei Cloud's signing documentation: never a real credential.
import type { SimulatedAccount } from '@mediaops/vod-simulator';

export const PROJECT = '0123456789abcdef0123456789abcdef';
export const AK = 'QTWAOYTTINDUT2QVKYUC';
export const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
/** An asset published in the account. */
export const ASSET = 'f488337c31c8e4622f1590735b134c65';
/** The account's IAM user. */
export const IAM_USER = { domain: 'mediaops', name: 'svc', password: 'pw' };

/** The account as the simulator knows it: its AK/SK and its IAM user. */
export const SIMULATED_ACCOUNT: SimulatedAccount = {
  projectId: PROJECT,
  accessKeyId: AK,
  secretAccessKey: SK,
  iamUsers: [IAM_USER],
};

/** The account as `vod.accounts[]` configures it: `main`, at `endpoint`, signing with AK/SK. */
export function configuredAccount(endpoint: string) {
  return {
    name: 'main',
    endpoint,
    projectId: PROJECT,
    accessKeyId: AK,
    secretAccessKey: SK,
  };
}
