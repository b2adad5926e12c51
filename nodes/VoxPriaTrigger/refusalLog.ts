import type { IWebhookFunctions, Logger } from 'n8n-workflow';

/**
 * Puts refused deliveries into n8n's log, so that a trigger that stopped working has something to
 * show: the first refusal of each kind in a minute gets a line of its own, the rest of that minute
 * one summary line with counts. A flood of forged requests therefore costs a few lines a minute.
 * n8n-nodes must not start timers of their own, so a minute's summary is written by the first
 * request for the trigger after that minute (or by deactivation).
 */

export const SUMMARY_INTERVAL_MS = 60_000;

export interface Refusal {
	/** Stable short name, e.g. "invalid signature"; counted per name. */
	reason: string;
	/** What exactly was wrong; safe to log (no secret, signature or body). */
	detail: string;
	status: number;
}

export interface RequestFacts {
	workflow: string;
	node: string;
	event?: string;
	from?: string;
}

export class RefusalLog {
	private periodStart = 0;
	private readonly loggedThisPeriod = new Set<string>();
	private readonly suppressed = new Map<string, number>();
	private facts?: RequestFacts;

	/** The lines to write for this refusal (and any summary that is due). */
	note(refusal: Refusal, facts: RequestFacts, now = Date.now()): string[] {
		const lines = this.due(now);
		this.facts = facts;
		if (!this.loggedThisPeriod.has(refusal.reason)) {
			this.loggedThisPeriod.add(refusal.reason);
			lines.push(
				`VoxPria Trigger refused a delivery (HTTP ${refusal.status}): ${refusal.reason}: ${refusal.detail} ${describe(facts)}`,
			);
		} else {
			this.suppressed.set(refusal.reason, (this.suppressed.get(refusal.reason) ?? 0) + 1);
		}
		return lines;
	}

	/** The summary line of a minute that has ended, if any. */
	due(now = Date.now()): string[] {
		if (now - this.periodStart < SUMMARY_INTERVAL_MS) return [];
		const lines = this.flush();
		this.periodStart = now;
		this.loggedThisPeriod.clear();
		return lines;
	}

	/** Whatever is counted and not yet written, as one line. */
	flush(): string[] {
		if (this.suppressed.size === 0 || !this.facts) return [];
		const total = [...this.suppressed.values()].reduce((sum, count) => sum + count, 0);
		const parts = [...this.suppressed].map(([reason, count]) => `${reason} × ${count}`);
		this.suppressed.clear();
		return [
			`VoxPria Trigger refused ${total} more ${total === 1 ? 'delivery' : 'deliveries'} since the last line: ${parts.join(', ')} ${describe({ workflow: this.facts.workflow, node: this.facts.node })}`,
		];
	}
}

function describe({ workflow, node, event, from }: RequestFacts): string {
	const parts = [`workflow ${workflow}`, `node "${node}"`];
	if (event) parts.push(`event ${event}`);
	if (from) parts.push(`from ${from}`);
	return `[${parts.join(', ')}]`;
}

const SAFE_EVENT = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Who sent the request and what it claims to be, without anything a sender could inject. */
export function requestFacts(context: IWebhookFunctions, parsedBody: unknown): RequestFacts {
	const { id, name } = context.getWorkflow();
	const request = context.getRequestObject();
	const event = (parsedBody as { event?: unknown } | undefined)?.event;
	const from = request.ip ?? request.socket?.remoteAddress;
	return {
		workflow: `"${String(name ?? '').replace(/["\r\n]/g, '')}" (${id ?? '?'})`,
		node: context.getNode().name.replace(/["\r\n]/g, ''),
		event: typeof event === 'string' && SAFE_EVENT.test(event) ? event : undefined,
		from: typeof from === 'string' ? from.replace(/[^0-9A-Fa-f:.]/g, '') : undefined,
	};
}

export function writeLines(logger: Logger, lines: string[], level: 'warn' | 'info' = 'warn'): void {
	for (const line of lines) logger[level](line);
}
