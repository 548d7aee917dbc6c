// Errors that users cause: one line, exit code 2, never a stack trace.
// Anything else that escapes is a bug in rehearse and is reported as such.

export class UserError extends Error {
  override readonly name = 'UserError';
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
  }
}

/** A pickle that cannot be decoded: names the file, the byte offset and the opcode. */
export class SnapshotError extends UserError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly opcode: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}: ${reason} at byte ${offset}${opcode ? ` (opcode ${opcode})` : ''}`);
  }
}
