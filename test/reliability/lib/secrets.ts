/* eslint-disable @n8n/community-nodes/no-restricted-globals -- dev-only code, held to eslint.dev.config.mjs instead (CONTRIBUTING.md) */
/**
 * Keeps every secret of the run (the VoxPria API key, and every webhook secret VoxPria ever issued)
 * and every message the tests saw, and checks at the end that no secret shows up in n8n's
 * execution data, in n8n's log, or in any of those messages.
 */
import type { Sandbox, N8n } from '../../e2e/stack';
import type { ApiProxy } from './apiProxy';

export class SecretWatch {
	private readonly issued = new Set<string>();
	private readonly messages: string[] = [];
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly sandbox: Sandbox,
		private readonly proxy: ApiProxy,
	) {}

	/** Samples the sandbox's webhooks (with their secrets) every `everyMs`, until stop(). */
	start(everyMs = 100): this {
		this.timer = setInterval(() => void this.sample(), everyMs);
		this.timer.unref();
		return this;
	}

	async sample(): Promise<void> {
		const { webhooks } = await this.sandbox.state();
		for (const webhook of webhooks as Array<{ secret?: string }>) {
			if (webhook.secret) this.issued.add(webhook.secret);
		}
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
	}

	/** Something a user or a sender could see: an error message, an HTTP answer, a status. */
	saw(message: unknown): void {
		if (message === undefined || message === null) return;
		this.messages.push(typeof message === 'string' ? message : JSON.stringify(message));
	}

	/** Every webhook secret seen, plus the API key: the strings that must never leak. */
	async secrets(): Promise<{ apiKey: string; webhookSecrets: string[] }> {
		await this.sample();
		for (const secret of this.proxy.secrets) this.issued.add(secret);
		return { apiKey: this.sandbox.apiKey, webhookSecrets: [...this.issued] };
	}

	/**
	 * Looks for each secret, and for its hex part alone, in all execution data (every workflow),
	 * n8n's whole log and the messages seen. Answers the findings: empty when nothing leaked.
	 */
	async leaks(n8n: N8n): Promise<{ where: string; secret: string }[]> {
		const { apiKey, webhookSecrets } = await this.secrets();
		const needles = [
			apiKey,
			...webhookSecrets.flatMap((secret) => [secret, secret.replace(/^whsec_/, '')]),
		];
		const executions = await n8n.executions({ includeData: true });
		const places: Array<[string, string]> = [
			['execution data', JSON.stringify(executions)],
			["n8n's log", n8n.logText()],
			['messages the tests saw', this.messages.join('\n')],
		];
		const found: { where: string; secret: string }[] = [];
		for (const [where, text] of places) {
			for (const needle of needles)
				if (text.includes(needle)) found.push({ where, secret: `${needle.slice(0, 10)}…` });
		}
		return found;
	}

	/** How much was checked, for the test's output. */
	async summary(n8n: N8n): Promise<string> {
		const { webhookSecrets } = await this.secrets();
		return `${webhookSecrets.length} webhook secrets + the API key checked against ${n8n.logText().length} chars of n8n log and ${this.messages.length} messages`;
	}
}
