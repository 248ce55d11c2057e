import { useApp } from "../app-context.js";
import { ErrorBox } from "../components/error-box.js";
import { JsonBlock } from "../components/json-block.js";
import { SchemaForm } from "../components/schema-form.js";
import { useAsync } from "../hooks/use-async.js";
import { href, navigate } from "../route.js";

/**
 * One task type (`#/types/<name>`): its schema and the form generated from
 * it. A submitted task opens on its own page.
 */
export function TypePage({ name }: { name: string }) {
  const { api } = useApp();
  const types = useAsync(() => api.client.types(), []);
  const type = types.data?.[name];
  return (
    <section>
      <p>
        <a href={href.types()}>← Task types</a>
      </p>
      <h1>{name}</h1>
      {types.error !== undefined ? <ErrorBox error={types.error} context="task types" /> : null}
      {types.data && !type ? <p class="error">No task type {name} is registered.</p> : null}
      {type ? (
        <div class="columns">
          <div class="card">
            {type.description ? <p>{type.description}</p> : null}
            {type.requireAuthorization ? <p class="notice">Protected: your token must allow {name}.</p> : null}
            <SchemaForm
              typeName={name}
              schema={type.argsSchema}
              submit={(args) => api.client.submit(name, args)}
              onSubmitted={(task) => navigate(href.task(task.id))}
            />
          </div>
          <div>
            <h2>Argument schema</h2>
            <JsonBlock value={type.argsSchema} label={`schema of ${name}`} />
          </div>
        </div>
      ) : null}
    </section>
  );
}
