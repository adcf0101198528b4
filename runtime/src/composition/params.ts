/**
 * A composition's own params: every param of a composing flow that is not mapped, named
 * `FLOW.param` (`--param train.epochs=8` overrides one), its default the composition's constant
 * (`parameters:`), else the flow's schema default. Validation is the composing flow's zod field's.
 * The composition runs as a workflow with this schema, so `--param`, run records, `preview` and
 * `reset` treat its params like a workflow's.
 */

/** What the engine asks of a param schema and of its fields (engine/params.ts). */
export interface FieldSchema {
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: { message: string; path: PropertyKey[] }[] } };
}

export interface CompositionParam {
  /** `FLOW.param`. */
  key: string;
  field: FieldSchema;
  /** The composition's constant for it, when `parameters:` gives one. */
  constant?: { value: unknown };
}

/** One param: the composing flow's field, with the composition's constant as its default. */
function withConstant(param: CompositionParam): FieldSchema {
  return {
    safeParse(value: unknown) {
      const given = value === undefined && param.constant ? param.constant.value : value;
      return param.field.safeParse(given);
    },
  };
}

/** The schema object (what workflow() takes as `params`: a `shape` and a `safeParse` of the whole). */
export function compositionSchema(params: CompositionParam[]): { shape: Record<string, FieldSchema>; safeParse: FieldSchema["safeParse"] } {
  const shape: Record<string, FieldSchema> = {};
  for (const p of params) shape[p.key] = withConstant(p);
  return {
    shape,
    safeParse(value: unknown) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { success: false, error: { issues: [{ message: "params must be an object", path: [] }] } };
      }
      const given = value as Record<string, unknown>;
      const data: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const parsed = field.safeParse(given[key]);
        if (!parsed.success) {
          const issue = parsed.error?.issues[0];
          return { success: false, error: { issues: [{ message: issue?.message ?? "invalid", path: [key, ...(issue?.path ?? [])] }] } };
        }
        if (parsed.data !== undefined) data[key] = parsed.data;
      }
      for (const key of Object.keys(given)) {
        if (!(key in shape)) return { success: false, error: { issues: [{ message: `no param "${key}"`, path: [key] }] } };
      }
      return { success: true, data };
    },
  };
}
