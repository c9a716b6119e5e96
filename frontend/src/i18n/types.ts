import type { components } from '../api/schema';

/**
 * The English text of a namespace: exactly the keys of its German file (the
 * default language), each a string. A key missing in English is a compile
 * error, and so is one that German does not have.
 */
export type Translation<T> = { readonly [K in keyof T]: string };

/** Stable codes of the server's problem answers (`Problem.code`, a closed enum of the OpenAPI document). */
export type ProblemCode = components['schemas']['ProblemCode'];

/** The `problem` namespace: a text for every `ProblemCode` (and nothing else), in each language. */
export type ProblemTexts = { readonly [C in ProblemCode as `problem.${C}`]: string };
