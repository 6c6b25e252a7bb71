import { z } from "zod";

// Wire formats (snake_case) of the SotaOCR API. [doc] fields are required; fields the public docs
// do not show are optional and unknown fields are kept, because the real service may differ
// (see docs/api-contract.md#endpoints).

const count = z.number().int().nonnegative();
const errorDetail = z.union([z.string(), z.looseObject({ code: z.string().optional(), message: z.string().optional() })]);

/** `POST /v1/extract` and `GET /v1/jobs/{id}`. Some services name the id `job_id`. */
export const jobSchema = z
  .looseObject({
    id: z.string().min(1).optional(),
    job_id: z.string().min(1).optional(),
    status: z.string().min(1),
    page_count: count.nullish(),
    pages_completed: count.nullish(),
    created_at: z.string().nullish(),
    error: errorDetail.nullish(),
  })
  .refine((job) => job.id ?? job.job_id, { message: "a job needs an id" });
export type JobWire = z.infer<typeof jobSchema>;

/** `GET /v1/jobs/{id}/result`: `content` is a string, a list of pages, or `{ pages }`; or pages sit at the top. */
export const resultSchema = z.looseObject({
  job_id: z.string().optional(),
  format: z.string().optional(),
  page_count: count.nullish(),
  content: z.unknown().optional(),
  pages: z.array(z.unknown()).optional(),
});
export type ResultWire = z.infer<typeof resultSchema>;

/** Error bodies: `{error:{code,message}}`, `{error:"..."}`, `{code,message}` or `{detail}`. */
export const errorBodySchema = z.looseObject({
  error: errorDetail.optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  detail: z.unknown().optional(),
});

const pageAllowance = z.looseObject({ total: z.number().optional(), allocated: z.number().optional(), remaining: z.number().optional() });

/** `GET /v1/balance`. */
export const balanceSchema = z.looseObject({
  entity_code: z.string().optional(),
  remaining_pages: z.number(),
  total_affordable_pages: z.number().optional(),
  monthly_pages: pageAllowance.optional(),
  lifetime_pages: pageAllowance.optional(),
  tokens: pageAllowance.extend({ affordable_pages: z.number().optional() }).optional(),
  token_price: z.number().optional(),
});

/** `GET /api/v1/info`: `model_profiles` are strings or objects with a `name` or `id`. */
export const infoSchema = z.looseObject({
  model_profiles: z.array(z.union([z.string(), z.looseObject({ name: z.string().optional(), id: z.string().optional() })])).default([]),
});
