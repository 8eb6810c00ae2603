/**
 * What the log says when the server process ends. vscode-languageclient logs every exit as an error
 * ("[Error] Server process exited with code 0"), a deliberate stop or restart included; the
 * extension starts the process itself and says it in its own words. No `vscode` import.
 */

export interface ExitLine {
  error: boolean;
  text: string;
}

/**
 * `deliberate`: the extension stopped it (Restart Server, a changed setting, closing the window).
 * An exit nobody asked for is an error, whatever its code: the connection closed under the client.
 */
export function exitLine(code: number | null, signal: string | null, deliberate: boolean): ExitLine {
  const how = code !== null ? `exit code ${code}` : signal !== null ? `signal ${signal}` : "no exit code";
  if (deliberate) return { error: false, text: `The server stopped (${how}).` };
  return { error: true, text: `[Error] The server process ended unexpectedly (${how}).` };
}
