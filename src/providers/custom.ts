import { errorTypeOf, parseObject } from '../protocols/json-probe';
import { SIGNAL_ERROR, SIGNAL_NONE, SIGNAL_TERMINAL } from './types';
import type { EventSignal, StreamFacts, TerminalRule } from './types';

/** Options of {@link customSseRule}. When both terminal options are given, an event must match both. */
export interface CustomSseRuleOptions {
  /** Name of the terminal event (`event:` field), e.g. `done`. */
  terminalEvent?: string;
  /** Data of the terminal event: exact text (e.g. `[DONE]`), a RegExp, or a predicate. */
  terminalData?: string | RegExp | ((data: string) => boolean);
  /** Name of the event that reports an in-stream error, e.g. `error`. */
  errorEvent?: string;
}

/**
 * A rule for an SSE protocol midstream does not know. Without a terminal option the rule has no
 * marker, so a clean end of the body counts as completed (`requiresTerminal: false`).
 *
 * @example
 * customSseRule({ terminalData: '[DONE]', errorEvent: 'error' })
 */
export function customSseRule(options: CustomSseRuleOptions): TerminalRule {
  const { terminalEvent, terminalData, errorEvent } = options;
  const hasTerminal = terminalEvent !== undefined || terminalData !== undefined;
  const matchesData = dataMatcher(terminalData);
  return {
    name: 'custom',
    protocol: 'sse',
    requiresTerminal: hasTerminal,
    classify(event: string, data: string, facts: StreamFacts): EventSignal {
      if (errorEvent !== undefined && event === errorEvent) {
        const body = parseObject(data);
        facts.errorType = errorTypeOf(body?.error ?? body);
        return SIGNAL_ERROR;
      }
      if (!hasTerminal) return SIGNAL_NONE;
      if (terminalEvent !== undefined && event !== terminalEvent) return SIGNAL_NONE;
      return matchesData(data) ? SIGNAL_TERMINAL : SIGNAL_NONE;
    },
  };
}

function dataMatcher(terminalData: CustomSseRuleOptions['terminalData']): (data: string) => boolean {
  if (terminalData === undefined) return () => true;
  if (typeof terminalData === 'string') return (data) => data === terminalData;
  if (terminalData instanceof RegExp) {
    return (data) => {
      terminalData.lastIndex = 0;
      return terminalData.test(data);
    };
  }
  return (data) => {
    try {
      return terminalData(data) === true;
    } catch {
      return false;
    }
  };
}
