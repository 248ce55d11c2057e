import { useMemo, useState } from "preact/hooks";
import { argumentErrors, type TaskInfo } from "../../../../client/browser.js";
import { errorText } from "../error-text.js";
import { defaultHint, enumOptionText, initialText, readForm } from "../form/field-value.js";
import { formModelOf, type FieldSpec } from "../form/schema-fields.js";

/** Props of {@link SchemaForm}. */
export interface SchemaFormProps {
  typeName: string;
  /** The type's argument JSON Schema. */
  schema: Record<string, unknown>;
  /** Sends the arguments (SubmitTask); its InvalidArgument errors are shown on the fields they name. */
  submit: (args: Record<string, unknown>) => Promise<TaskInfo>;
  onSubmitted: (task: TaskInfo) => void;
}

/**
 * A form generated from an argument schema: a field per property (numbers,
 * text, checkboxes, choices for enums, comma lists for arrays of numbers,
 * JSON text for anything else), required ones marked. Problems found before
 * sending, and the server's refusal (its message and per-argument errors),
 * are shown beside the fields.
 */
export function SchemaForm({ typeName, schema, submit, onSubmitted }: SchemaFormProps) {
  const model = useMemo(() => formModelOf(schema), [schema]);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(model.fields.map((f) => [f.name, initialText(f)])),
  );
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const setText = (name: string, text: string) => setTexts((t) => ({ ...t, [name]: text }));

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setFormError(undefined);
    const reading = readForm(model, texts);
    if ("errors" in reading) {
      setFieldErrors(reading.errors);
      setFormError("Please correct the marked fields.");
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      onSubmitted(await submit(reading.args));
    } catch (err) {
      setFieldErrors(argumentErrors(err));
      setFormError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <form class="schema-form" onSubmit={onSubmit} noValidate aria-label={`Submit ${typeName}`}>
      {model.rawArgs ? (
        <label>
          Arguments (JSON object)
          <textarea name="args" rows={6} value={texts[""] ?? ""} onInput={(e) => setText("", e.currentTarget.value)} />
          {fieldErrors[""] ? <span class="field-error">{fieldErrors[""]}</span> : null}
        </label>
      ) : null}
      {!model.rawArgs && model.fields.length === 0 ? <p class="muted">This task takes no arguments.</p> : null}
      {model.fields.map((f) => (
        <Field key={f.name} field={f} text={texts[f.name] ?? ""} error={fieldErrors[f.name]} onText={(t) => setText(f.name, t)} />
      ))}
      {formError ? (
        <p class="error" role="alert">
          {formError}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? "Submitting…" : "Submit task"}
      </button>
    </form>
  );
}

function Field({ field: f, text, error, onText }: { field: FieldSpec; text: string; error?: string; onText: (t: string) => void }) {
  const label = (
    <span class="field-name">
      {f.name}
      {f.required ? <span class="required" title="required"> *</span> : null}
      <span class="field-kind">{kindLabel(f)}</span>
    </span>
  );
  const onInput = (e: Event) => onText((e.currentTarget as HTMLInputElement).value);
  const common = { name: f.name, "aria-invalid": error ? true : undefined, placeholder: defaultHint(f) };
  let input;
  if (f.kind === "boolean" && f.required) {
    input = <input type="checkbox" name={f.name} checked={text === "true"} onChange={(e) => onText(e.currentTarget.checked ? "true" : "false")} />;
  } else if (f.kind === "boolean" || f.kind === "enum") {
    const options = f.kind === "boolean" ? [true, false] : (f.options ?? []);
    input = (
      <select name={f.name} value={text} onChange={onInput}>
        {!f.required ? <option value="">{f.default !== undefined ? `(${defaultHint(f)})` : "(not set)"}</option> : <option value="">choose…</option>}
        {options.map((o) => (
          <option key={enumOptionText(o)} value={enumOptionText(o)}>
            {typeof o === "string" ? o : JSON.stringify(o)}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === "json") {
    input = <textarea {...common} rows={3} value={text} onInput={onInput} />;
  } else {
    input = <input {...common} type="text" inputMode={f.kind === "integer" || f.kind === "number" ? "decimal" : undefined} value={text} onInput={onInput} />;
  }
  return (
    <label class={error ? "field invalid" : "field"}>
      {label}
      {input}
      {f.description ? <span class="field-help">{f.description}</span> : null}
      {f.kind === "json" ? <span class="field-help mono">{JSON.stringify(f.schema)}</span> : null}
      {error ? <span class="field-error">{error}</span> : null}
    </label>
  );
}

/** A short note of what a field takes, e.g. "integer, 1…1000" or "number, > 0". */
function kindLabel(f: FieldSpec): string {
  switch (f.kind) {
    case "numbers":
      return `${f.integerItems ? "integers" : "numbers"}, comma-separated${f.minItems !== undefined && f.minItems === f.maxItems ? ` (${f.minItems})` : ""}`;
    case "json":
      return "JSON";
    case "enum":
      return "one of";
    case "integer":
    case "number":
      return [f.kind, rangeText(f)].filter((p) => p !== "").join(", ");
    default:
      return f.kind;
  }
}

/** A number field's bounds: "1…1000" when both are inclusive, else "≥ 0", "> 0", "< 10"…; "" for none. */
function rangeText(f: FieldSpec): string {
  if (f.minimum !== undefined && f.maximum !== undefined) return `${f.minimum}…${f.maximum}`;
  const parts: string[] = [];
  if (f.minimum !== undefined) parts.push(`≥ ${f.minimum}`);
  if (f.exclusiveMinimum !== undefined) parts.push(`> ${f.exclusiveMinimum}`);
  if (f.maximum !== undefined) parts.push(`≤ ${f.maximum}`);
  if (f.exclusiveMaximum !== undefined) parts.push(`< ${f.exclusiveMaximum}`);
  return parts.join(", ");
}
