/**
 * An answer's parsed JSON, as tests read it: each test asserts the exact shape it expects, so the answer is not
 * typed a second time here. The one `any` of the tests.
 */
// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON answer, whose shape each test asserts itself
export type Json = any;
