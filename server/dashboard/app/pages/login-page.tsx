import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { ErrorBox } from "../components/error-box.js";
import { sessionFromToken, type Session } from "../session.js";

/**
 * The sign-in form: user and password go to the token RPC
 * (`AuthService/CreateToken`); the token it answers is the session.
 */
export function LoginPage({ api, notice, onLogin }: { api: Api; notice?: string; onLogin: (s: Session) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { token } = await api.client.createToken(user, password);
      const session = sessionFromToken(token);
      if (!session) throw new Error("the server answered a token that is no JWT");
      onLogin(session);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-label="Sign in">
        <h1>tstasks</h1>
        {notice ? <p class="notice">{notice}</p> : null}
        <label>
          User
          <input name="user" autocomplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error !== undefined ? <ErrorBox error={error} /> : null}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="hint">
          Users are managed with <code>npm run users</code>; admins see every task, other users their own.
        </p>
      </form>
    </main>
  );
}
