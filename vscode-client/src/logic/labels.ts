/** Titles the user reads (no `vscode` import): kept here so the tests and the e2e expectations name them once. */

/** The tab of “Preview Handoff Note”. */
export const HANDOFF_PREVIEW_TITLE = "Handoff note (preview)";
