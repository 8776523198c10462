/** Headers whose values are credentials, wherever they are echoed (lower case). */
const CREDENTIAL_HEADERS = [
  'authorization',
  'x-security-token',
  'x-auth-token',
];

const HEADER_LINE = new RegExp(
  `(${CREDENTIAL_HEADERS.join('|')})(\\s*[:=]\\s*)[^\\s,;"]+`,
  'gi',
);

/**
 * Removes credentials from text about to be logged: the value of every credential header it
 * echoes (API Gateway's canonical request carries `x-security-token:<token>`), and each of the
 * given secrets wherever it appears.
 */
export function redactCredentials(
  text: string,
  secrets: Array<string | undefined> = [],
): string {
  let out = text.replace(HEADER_LINE, '$1$2[redacted]');
  for (const secret of secrets) {
    if (secret && secret.length >= 4)
      out = out.split(secret).join('[redacted]');
  }
  return out;
}
