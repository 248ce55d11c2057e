import { errorText } from "../error-text.js";

/** An error of a call, shown where its content would have been; the rest of the page keeps working. */
export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  return (
    <p class="error" role="alert">
      {context ? `${context}: ` : ""}
      {errorText(error)}
    </p>
  );
}
