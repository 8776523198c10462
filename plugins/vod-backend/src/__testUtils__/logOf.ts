/**
 * Everything the backend logs while `run` runs: the mock root logger writes through console.*,
 * and all it writes is kept (and not printed).
 */
export async function logOf(run: () => unknown): Promise<string> {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(
    method =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      }),
  );
  try {
    await run();
  } finally {
    spies.forEach(spy => spy.mockRestore());
  }
  return lines.join('\n');
}
