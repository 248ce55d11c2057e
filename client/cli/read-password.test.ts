import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { PasswordInputError, readPassword } from "./read-password.js";
import type { PasswordInput } from "./read-password.js";

// The terminal branch needs a TTY; a stream with isTTY and setRawMode
// stands in for one (the pipe branch is covered end to end in
// cli/users/users-cli.test.ts and test/e2e/cli.test.ts).

/** A fake terminal that types each of `keystrokes` once the previous entry is done, recording raw-mode switches. */
function fakeTerminal(keystrokes: string[]): { input: PasswordInput; rawModes: boolean[] } {
  const rawModes: boolean[] = [];
  const input = new PassThrough() as PassThrough & PasswordInput;
  input.isTTY = true;
  input.setRawMode = (raw: boolean) => {
    rawModes.push(raw);
    // Type the next entry as soon as echo is off, like a user at the prompt.
    if (raw) {
      const next = keystrokes.shift();
      if (next !== undefined) setImmediate(() => input.write(next));
    }
    return input;
  };
  return { input, rawModes };
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.setEncoding("utf8").on("data", (d: string) => (text += d));
  return { stream, text: () => text };
}

test("terminal: asks twice with echo off; Backspace and Ctrl-U edit; the typed text is never written", async () => {
  const { input, rawModes } = fakeTerminal(["xx\u0015sec\u007fcret\r", "secret\r"]);
  const prompt = capture();
  assert.equal(await readPassword({ input, prompt: prompt.stream, userName: "alice" }), "secret");
  assert.equal(prompt.text(), "New password for alice: \nRepeat it: \n");
  assert.deepEqual(rawModes, [true, false, true, false]);
});

test("terminal: differing entries, an empty entry and Ctrl-C are PasswordInputErrors, and echo is back on", async () => {
  for (const keys of [["one\r", "two\r"], ["\r"], ["\u0004"], ["abc\u0003"]]) {
    const { input, rawModes } = fakeTerminal(keys);
    await assert.rejects(readPassword({ input, prompt: capture().stream, userName: "bob" }), PasswordInputError, JSON.stringify(keys));
    assert.equal(rawModes.at(-1), false);
  }
});

test("pipe: the first line without its ending; none or an empty one is a PasswordInputError", async () => {
  const read = (chunks: string[]) => readPassword({ input: Readable.from(chunks.map((c) => Buffer.from(c))), prompt: capture().stream, userName: "c" });
  assert.equal(await read(["pa", "ss wo", "rd\nnext line\n"]), "pass word");
  assert.equal(await read(["crlf\r\n"]), "crlf");
  assert.equal(await read(["no newline at end"]), "no newline at end");
  assert.equal(await read(["ünïcode\n"]), "ünïcode");
  await assert.rejects(read([]), /no password on standard input/);
  await assert.rejects(read(["\nsecond\n"]), /the password is empty/);
  await assert.rejects(read(["x".repeat(70_000)]), /too long/);
});

test("terminal, existing password: asked once, with a prompt that does not say new", async () => {
  const { input, rawModes } = fakeTerminal(["hunter2\r"]);
  const prompt = capture();
  assert.equal(await readPassword({ input, prompt: prompt.stream, userName: "dora", purpose: "existing" }), "hunter2");
  assert.equal(prompt.text(), "Password for dora: \n");
  assert.deepEqual(rawModes, [true, false]);
});

test("pipe: the hint names the command given", async () => {
  const input = Readable.from([]);
  await assert.rejects(
    readPassword({ input, prompt: capture().stream, userName: "e", command: "tstasks token --user e" }),
    /echo "\$PASSWORD" \| tstasks token --user e/,
  );
});
