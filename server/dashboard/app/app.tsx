import { useMemo, useRef, useState } from "preact/hooks";
import { createApi } from "./api.js";
import { AppContextValue } from "./app-context.js";
import { NavBar } from "./components/nav-bar.js";
import { LoginPage } from "./pages/login-page.js";
import { TaskPage } from "./pages/task-page.js";
import { TasksPage } from "./pages/tasks-page.js";
import { TypePage } from "./pages/type-page.js";
import { TypesPage } from "./pages/types-page.js";
import { WorkersPage } from "./pages/workers-page.js";
import { href, useRoute, type Route } from "./route.js";
import { clearSession, loadSession, saveSession, type Session } from "./session.js";

/**
 * The dashboard: the login form until a user signs in, then the page of the
 * current route under the navigation bar. A 401 from any call (expired
 * token) signs the user out and shows the login form again, with a note;
 * the route stays, so signing in again returns to the same view.
 */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();
  // The API reads the token through a ref, so one API object serves every session.
  const tokenRef = useRef(session?.token);
  tokenRef.current = session?.token;
  const api = useMemo(
    () =>
      createApi({
        token: () => tokenRef.current,
        onUnauthenticated: () => {
          clearSession();
          tokenRef.current = undefined;
          setSession(undefined);
          setNotice("Your session has ended: please sign in again.");
        },
      }),
    [],
  );

  if (!session) {
    return (
      <LoginPage
        api={api}
        notice={notice}
        onLogin={(s) => {
          saveSession(s);
          tokenRef.current = s.token;
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  const logout = () => {
    clearSession();
    setNotice("Signed out.");
    setSession(undefined);
  };
  return (
    <AppContextValue.Provider value={{ api, session }}>
      <NavBar route={route} session={session} onLogout={logout} />
      <main>
        <Page route={route} />
      </main>
    </AppContextValue.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "tasks":
      return <TasksPage query={route.query} />;
    case "task":
      // Keyed by id: another task's page starts from scratch (its own watch).
      return <TaskPage key={route.id} id={route.id} />;
    case "types":
      return <TypesPage />;
    case "type":
      return <TypePage key={route.name} name={route.name} />;
    case "workers":
      return <WorkersPage />;
    case "unknown":
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing is at <code>{route.hash}</code>. <a href={href.tasks()}>Go to the tasks.</a>
          </p>
        </section>
      );
  }
}
