import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { CommandResult } from '../cli.js';

export function registerRelease(program: Command, io: Io, result: CommandResult): void {
  void program;
  void io;
  void result;
}
