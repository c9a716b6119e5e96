/** A result line under a form or card: `ok` as a status, `error` as an alert. */
export type Message = { kind: 'ok' | 'error'; text: string };

export function MessageLine({ message, testId }: { message: Message | null; testId: string }) {
  if (!message) return null;
  return (
    <p
      className={message.kind === 'ok' ? 'alert alert--ok' : 'alert alert--error'}
      role={message.kind === 'ok' ? 'status' : 'alert'}
      data-testid={testId}
    >
      {message.text}
    </p>
  );
}
