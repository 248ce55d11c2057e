import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { PasswordInputError, readNewPassword, type PasswordInput } from "./read-new-password.js";

// The terminal branch needs a TTY; a stream with isTTY and setRawMode stands
// in for one (users-cli.test.ts covers the pipe branch end to end too).

/** A fake terminal that types each of `keystrokes` once echo is off for the next entry, recording raw-mode switches. */
function fakeTerminal(keystrokes: string[]): { input: PasswordInput; rawModes: boolean[] } {
  const rawModes: boolean[] = [];
  const input = new PassThrough() as PassThrough & PasswordInput;
  input.isTTY = true;
  input.setRawMode = (raw: boolean) => {
    rawModes.push(raw);
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

const command = "npm run users -- add alice";

test("terminal: asks twice with echo off; Backspace and Ctrl-U edit; the typed text is never written", async () => {
  const { input, rawModes } = fakeTerminal(["xx\u0015sec\u007fcret\r", "secret\r"]);
  const prompt = capture();
  assert.equal(await readNewPassword({ input, prompt: prompt.stream, userName: "alice", command }), "secret");
  assert.equal(prompt.text(), "New password for alice: \nRepeat it: \n");
  assert.deepEqual(rawModes, [true, false, true, false]);
});

test("terminal: differing entries, an empty entry and Ctrl-C are PasswordInputErrors, and echo is back on", async () => {
  for (const keys of [["one\r", "two\r"], ["\r"], ["\u0004"], ["abc\u0003"]]) {
    const { input, rawModes } = fakeTerminal(keys);
    await assert.rejects(readNewPassword({ input, prompt: capture().stream, userName: "bob", command }), PasswordInputError, JSON.stringify(keys));
    assert.equal(rawModes.at(-1), false);
  }
});

test("pipe: the first line without its ending; none, an empty or an overlong one is a PasswordInputError naming the command", async () => {
  const read = (chunks: string[]) => readNewPassword({ input: Readable.from(chunks.map((c) => Buffer.from(c))), prompt: capture().stream, userName: "c", command });
  assert.equal(await read(["pa", "ss wo", "rd\nnext line\n"]), "pass word");
  assert.equal(await read(["crlf\r\n"]), "crlf");
  assert.equal(await read(["no newline at end"]), "no newline at end");
  await assert.rejects(read([]), /no password on standard input: pipe it in \(echo "\$PASSWORD" \| npm run users -- add alice\)/);
  await assert.rejects(read(["\nsecond\n"]), /the password is empty/);
  await assert.rejects(read(["x".repeat(70_000)]), /too long/);
});
