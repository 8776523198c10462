import { redactCredentials } from './redact';

describe('redactCredentials', () => {
  it('removes the value of every credential header it echoes, in any spelling', () => {
    const echo = [
      'POST',
      '/v1.0/p/asset/preheating/',
      '',
      'content-type:application/json',
      'x-security-token:gQpjbi1ub3J0aC00+/=',
      'X-Auth-Token: MIIsimabcdef',
      'Authorization=SDK-HMAC-SHA256 Access=AK, Signature=abc',
    ].join('\n');
    const out = redactCredentials(echo);
    expect(out).toContain('content-type:application/json');
    expect(out).toContain('x-security-token:[redacted]');
    expect(out).toContain('X-Auth-Token: [redacted]');
    expect(out).toContain('Authorization=[redacted]');
    expect(out).not.toMatch(/gQpjbi1|MIIsimabcdef|SDK-HMAC|Signature/);
  });

  it('removes each given secret wherever it appears, ignoring empty or tiny ones', () => {
    expect(
      redactCredentials('sk=s3cr3t-key and again s3cr3t-key', [
        's3cr3t-key',
        undefined,
        '',
        'ab',
      ]),
    ).toBe('sk=[redacted] and again [redacted]');
  });
});
