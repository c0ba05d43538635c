import { Duration, Stack, Validations } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { CfnFunction, IFunction } from "aws-cdk-lib/aws-lambda";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { ScheduleDefinition } from "../schedules.ts";
import { createDeadLetterQueue } from "./dead-letter-queue.ts";
import { pascalCase } from "./operation-function.ts";
import type { MonitoredQueue } from "./service-monitoring.ts";
import { StackPart } from "./stack-part.ts";

export interface ScheduledJobsProps {
  readonly jobs: readonly ScheduleDefinition[];
}

/**
 * The scheduled jobs (infra/schedules.ts): an EventBridge Scheduler schedule per job, invoking its function
 * asynchronously. A run that fails is retried by Lambda and then lands in the job's on-failure queue (alarmed
 * like every dead-letter queue); a schedule that cannot deliver at all (the function throttled or gone) retries
 * for an hour and then puts the event in the same queue. The next run picks up whatever a lost one left.
 */
export class ScheduledJobs extends StackPart {
  readonly deadLetterQueues: readonly MonitoredQueue[];
  private readonly queues = new Map<string, Queue>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ScheduledJobsProps,
  ) {
    super(scope, id);
    for (const { operation } of props.jobs) {
      this.queues.set(
        operation,
        createDeadLetterQueue(this, `${pascalCase(operation)}DeadLetters`, `the failed runs of the ${operation} job`),
      );
    }
    this.deadLetterQueues = props.jobs.map(({ operation }) => ({ operation, queue: this.onFailureFor(operation) }));
  }

  onFailureFor(operation: string): Queue {
    const queue = this.queues.get(operation);
    if (!queue) throw new Error(`${operation} is not a scheduled job.`);
    return queue;
  }

  /** The schedules, once the functions exist. */
  connect(handlerOf: (operation: string) => IFunction): void {
    for (const job of this.props.jobs) {
      const handler = handlerOf(job.operation);
      // The scheduler's own role for this job: invoke this one function, and send to this job's queue.
      const role = new Role(this, `${pascalCase(job.operation)}SchedulerRole`, {
        assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
          conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
        }),
      });
      const functionLogicalId = Stack.of(this).getLogicalId(handler.node.defaultChild as CfnFunction);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
        reason:
          "CDK's grantInvoke adds the function's qualified ARNs (versions and aliases of this one function) beside the " +
          "function itself; the role can invoke nothing else.",
      });
      new Schedule(this, `${pascalCase(job.operation)}Schedule`, {
        description: job.description,
        schedule: ScheduleExpression.rate(Duration.hours(job.everyHours)),
        target: new LambdaInvoke(handler, {
          role,
          deadLetterQueue: this.onFailureFor(job.operation),
          maxEventAge: Duration.hours(1),
          retryAttempts: 10,
        }),
      });
    }
  }
}
