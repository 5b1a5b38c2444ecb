// Vite's `?inline` imports: the CSS as a string, which the report page puts in a <style>.
declare module '*.css?inline' {
  const css: string
  export default css
}
