// The VOD account the backend's tests run against in the simulator. The AK/SK pair is the
// example of Huawei Cloud's signing documentation: never a real credential.

export const PROJECT = '0123456789abcdef0123456789abcdef';
export const AK = 'QTWAOYTTINDUT2QVKYUC';
export const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
