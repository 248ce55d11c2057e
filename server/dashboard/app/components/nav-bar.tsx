import type { Route } from "../route.js";
import { href } from "../route.js";
import type { Session } from "../session.js";

const LINKS = [
  { label: "Tasks", to: href.tasks(), pages: ["tasks", "task"] },
  { label: "Task types", to: href.types(), pages: ["types", "type"] },
  { label: "Workers", to: href.workers(), pages: ["workers"] },
] as const;

/** The header: the sections, who is signed in, and the logout button. */
export function NavBar({ route, session, onLogout }: { route: Route; session: Session; onLogout: () => void }) {
  return (
    <header class="nav">
      <a class="brand" href={href.tasks()}>
        tstasks
      </a>
      <nav>
        {LINKS.map((l) => (
          <a key={l.to} href={l.to} class={(l.pages as readonly string[]).includes(route.page) ? "active" : undefined}>
            {l.label}
          </a>
        ))}
      </nav>
      <span class="who">
        {session.user}
        {session.admin ? <span class="role">admin</span> : null}
      </span>
      <button type="button" class="secondary" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}
