/**
 * The English text of a namespace: exactly the keys of its German file (the
 * default language), each a string. A key missing in English is a compile
 * error, and so is one that German does not have.
 */
export type Translation<T> = { readonly [K in keyof T]: string };
