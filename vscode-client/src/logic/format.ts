/** Number formatting shared by the status bar, the tree view and messages (no `vscode` import). */

export function formatTokens(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 16000 -> "16k", 1500 -> "1.5k", 200000 -> "200k", 950 -> "950". */
export function formatShort(n: number): string {
  const v = Math.round(n);
  if (Math.abs(v) < 1000) return String(v);
  const k = v / 1000;
  const s = Math.abs(k) >= 100 || Number.isInteger(k) ? k.toFixed(0) : k.toFixed(1);
  return `${s.replace(/\.0$/, "")}k`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return "–";
  const p = (100 * part) / whole;
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}
