/**
 * The language new names and messages are written in: the system's, when it is a plain
 * 2–3 letter code the model accepts, else English.
 */
function systemLanguage(): string {
  const primary = (typeof navigator === "undefined" ? "" : navigator.language).split("-")[0]?.toLowerCase() ?? "";
  return /^[a-z]{2,3}$/.test(primary) ? primary : "en";
}

export const UI_LANGUAGE = systemLanguage();
