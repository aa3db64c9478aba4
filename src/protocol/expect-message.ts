/**
 * The answer of a single-answer command (spec, check, discover): the one message of the expected type.
 * The whole stream is drained, so a subprocess runs to its exit and a failure after the answer is still
 * thrown rather than lost.
 */
import { ProtocolError } from './connector-errors.ts';
import type { Message } from './messages.ts';

/** Returns the first message of `type` in `messages`, draining the rest; a ProtocolError when there is none. */
export async function expectMessage<T extends Message['type']>(messages: AsyncIterable<Message>, type: T): Promise<Extract<Message, { type: T }>> {
  let found: Extract<Message, { type: T }> | undefined;
  for await (const message of messages) {
    if (found === undefined && message.type === type) found = message as Extract<Message, { type: T }>;
  }
  if (found === undefined) throw new ProtocolError(`the connector ended without a ${type} message`, { detail: { expected: type } });
  return found;
}
