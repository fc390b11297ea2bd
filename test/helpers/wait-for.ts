// Polls a condition until it holds, failing with a message that says what never happened.

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Within ${timeoutMs} ms, never: ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
