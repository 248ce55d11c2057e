import { useApp } from "../app-context.js";
import { ErrorBox } from "../components/error-box.js";
import { JsonBlock } from "../components/json-block.js";
import { useAsync } from "../hooks/use-async.js";
import { href } from "../route.js";

/** The task types (`#/types`): what the workers registered, with each one's argument schema and a link to its form. */
export function TypesPage() {
  const { api } = useApp();
  const types = useAsync(() => api.client.types(), []);
  const list = Object.values(types.data ?? {}).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section>
      <h1>Task types</h1>
      {types.error !== undefined ? <ErrorBox error={types.error} context="task types" /> : null}
      {types.data && list.length === 0 ? <p class="empty">No task types: start a worker with taskpacks.</p> : null}
      <div class="type-list">
        {list.map((t) => (
          <article key={t.name} class="card type-card">
            <div class="title-row">
              <h2>
                <a href={href.type(t.name)}>{t.name}</a>
              </h2>
              {t.requireAuthorization ? <span class="badge protected">protected</span> : null}
              <span class="spacer" />
              <a class="button" href={href.type(t.name)}>
                Submit…
              </a>
            </div>
            {t.description ? <p>{t.description}</p> : null}
            <p class="muted small">
              queue <b>{t.queue}</b> · pack {t.pack}
              {t.packVersion ? `@${t.packVersion}` : ""}
            </p>
            <details>
              <summary>Argument schema</summary>
              <JsonBlock value={t.argsSchema} label={`schema of ${t.name}`} />
            </details>
          </article>
        ))}
      </div>
    </section>
  );
}
