import { useCopy } from '../../hooks'

/** A Copy button with its own "Copied ✓" state (a secret row has one per value). */
export function CopyButton({ text, testId }: { text: string; testId?: string }) {
  const { copied, copy } = useCopy()
  return (
    <button type="button" data-testid={testId} onClick={() => void copy(text)}>
      {copied ? 'Copied ✓' : 'Copy'}
    </button>
  )
}
