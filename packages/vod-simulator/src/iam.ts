import { z } from 'zod';
import type { Outcome, ParsedBody, Simulated } from './http';

const iamRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine(m => m.includes('password')),
      password: z.object({
        user: z.object({
          name: z.string(),
          password: z.string(),
          domain: z.object({ name: z.string() }),
        }),
      }),
    }),
    scope: z.object({
      project: z
        .union([z.object({ id: z.string() }), z.object({ name: z.string() })])
        .transform(p => p as { id?: string; name?: string }),
    }),
  }),
});

/** IAM's `POST /v3/auth/tokens`: a password authentication scoped to a project. */
export function iamToken(
  { state, options }: Simulated,
  parsed: ParsedBody,
): Outcome {
  const keystoneError = (
    code: number,
    title: string,
    message: string,
  ): Outcome => ({
    status: code,
    body: { error: { code, title, message } },
  });
  const request = iamRequest.safeParse(parsed.ok ? parsed.value : undefined);
  if (!request.success) {
    return keystoneError(
      400,
      'Bad Request',
      'The request body is not a password authentication with a project scope.',
    );
  }
  const { user } = request.data.auth.identity.password;
  const scope = request.data.auth.scope.project;
  const account = options.accounts.find(
    a =>
      (scope.id ? a.projectId === scope.id : a.projectName === scope.name) &&
      a.iamUsers?.some(
        u =>
          u.domain === user.domain.name &&
          u.name === user.name &&
          u.password === user.password,
      ),
  );
  if (!account) {
    return keystoneError(
      401,
      'Unauthorized',
      'The username or password is wrong.',
    );
  }
  const { token, expiresAt } = state.issueToken(account);
  return {
    status: 201,
    headers: { 'X-Subject-Token': token },
    body: {
      token: {
        methods: ['password'],
        expires_at: keystoneTime(expiresAt),
        issued_at: keystoneTime(state.now()),
        project: {
          id: account.projectId,
          name: account.projectName ?? account.projectId,
        },
        user: { name: user.name, domain: { name: user.domain.name } },
      },
    },
  };
}

/** Keystone's timestamp format, with microseconds: 2024-05-21T08:30:00.000000Z. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
