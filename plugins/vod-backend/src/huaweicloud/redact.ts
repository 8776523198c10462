/** Credential headers whose value is one token. */
const TOKEN_HEADER = /(x-security-token|x-auth-token)(\s*[:=]\s*)[^\s,;"\\]+/gi;
/** The Authorization header, whose value runs to the end of its line or quoted string. */
const AUTHORIZATION = /(authorization)(\s*[:=]\s*)[^\n"\\]+/gi;

/**
 * Removes credentials from text about to be logged: the value of every credential header it
 * echoes (API Gateway's canonical request carries `x-security-token:<token>`), and each of the
 * given secrets wherever it appears.
 */
export function redactCredentials(
  text: string,
  secrets: Array<string | undefined> = [],
): string {
  let out = text
    .replace(TOKEN_HEADER, '$1$2[redacted]')
    .replace(AUTHORIZATION, '$1$2[redacted]');
  for (const secret of secrets) {
    if (secret && secret.length >= 4)
      out = out.split(secret).join('[redacted]');
  }
  return out;
}
