// The error codes the simulator answers with. VOD.10053 and the APIGW codes are Huawei's own;
// Huawei's pages do not say which codes VOD uses for an unknown asset, an exhausted daily quota
// or an unknown task, so those three are the simulator's choice (the plugin maps them by code,
// and passes any other VOD error on with its own message).
export const ILLEGAL_PARAMETER = 'VOD.10053';
export const ASSET_NOT_FOUND = 'VOD.10062';
export const QUOTA_EXCEEDED = 'VOD.10071';
export const TASK_NOT_FOUND = 'VOD.10064';
export const INTERNAL_ERROR = 'VOD.10001';
/** Every refused IAM authentication: a wrong signature, an unknown AK, a bad token, a skewed X-Sdk-Date. */
export const AUTH_FAILED = 'APIGW.0301';
export const NOT_AUTHORIZED = 'APIGW.0302';
export const TOKEN_EXPIRED = 'APIGW.0307';
export const THROTTLED = 'APIGW.0308';
export const API_NOT_FOUND = 'APIGW.0101';
export const BODY_TOO_LARGE = 'APIGW.0201';
export const BACKEND_UNAVAILABLE = 'APIGW.0203';
