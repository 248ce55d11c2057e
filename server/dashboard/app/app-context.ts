import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api.js";
import type { Session } from "./session.js";

/** What every page may use: the API and the signed-in user. */
export interface AppContext {
  api: Api;
  session: Session;
}

/** Provided by the app around the pages once a user is signed in. */
export const AppContextValue = createContext<AppContext | undefined>(undefined);

/** The API and session of the page; throws outside the signed-in app (a programming error). */
export function useApp(): AppContext {
  const value = useContext(AppContextValue);
  if (!value) throw new Error("useApp outside the signed-in app");
  return value;
}
