/** The scheduled jobs: an hourly EventBridge Scheduler schedule per job, its own role, its on-failure queue. */
import { describe, expect, test } from "vitest";
import { schedules } from "../../infra/schedules.ts";
import { useDefaultApp } from "./template.ts";

const app = useDefaultApp();

describe("scheduled jobs", () => {
  test.each(schedules)("$operation runs every $everyHours h through a role that may invoke only it, failures to its queue", (job) => {
    const [functionId] = app.functionOf(job.operation);
    const queueId = app.deadLetterQueueOf(job.operation);
    const found = app.ofType("AWS::Scheduler::Schedule").filter(([, s]) => JSON.stringify(s.Properties.Target.Arn).includes(functionId));
    expect(found).toHaveLength(1);
    const [, schedule] = found[0]!;
    expect(schedule.Properties.ScheduleExpression).toBe(`rate(${job.everyHours} hour${job.everyHours === 1 ? "" : "s"})`);
    expect(schedule.Properties.State).toBe("ENABLED");
    expect(schedule.Properties.Target.DeadLetterConfig.Arn).toEqual({ "Fn::GetAtt": [queueId, "Arn"] });
    expect(schedule.Properties.Target.RetryPolicy).toMatchObject({ MaximumEventAgeInSeconds: 3600 });
    const roleId = schedule.Properties.Target.RoleArn["Fn::GetAtt"][0] as string;
    const role = app.resources[roleId]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": expect.anything() } },
      }),
    ]);
    const statements = app
      .ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()).sort();
    expect(actions).toEqual(["lambda:InvokeFunction", "sqs:SendMessage"]);
    expect(JSON.stringify(statements.find((st: { Action: string }) => st.Action === "lambda:InvokeFunction").Resource)).toContain(
      functionId,
    );
  });
});
