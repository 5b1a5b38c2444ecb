/**
 * `{{ path.to.value }}` substitution used for per-replica ports, data dirs and probe URLs.
 * @module
 */

/** Values a template may reference: nested plain objects of strings and numbers. */
export type TemplateVars = { [key: string]: string | number | TemplateVars | TemplateVars[] }

const kPlaceholder = /\{\{\s*([\w.[\]-]+)\s*\}\}/g

/** Renders `text`, throwing a readable error naming the first unknown variable. */
export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(kPlaceholder, (_whole, path: string) => {
    const value = lookup(vars, path)
    if (value === undefined || typeof value === 'object') {
      throw new Error(`unknown template variable {{${path}}}`)
    }
    return String(value)
  })
}

/** Lists the variables a template references, for validation and dry runs. */
export function templateVariables(text: string): string[] {
  return [...text.matchAll(kPlaceholder)].map((m) => m[1] ?? '')
}

function lookup(vars: TemplateVars, path: string): unknown {
  let current: unknown = vars
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (current === null || typeof current !== 'object') {
      return undefined
    }
    current = (current as Record<string, unknown>)[part]
  }
  return current
}
