/** The SSE parser is shared with the CLI (`ordeal run --agent`). */
export { createSseParser, type SseFrame } from '../../../src/shared/sse'
