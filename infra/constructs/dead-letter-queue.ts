import { Duration, Validations } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/**
 * A dead-letter queue: encrypted, TLS only, 14 days. `role` says what it is the dead-letter queue of and
 * how its messages are handled (the reason of its nag acknowledgements: a queue behind it would only hide them).
 */
export function createDeadLetterQueue(scope: Construct, id: string, role: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = `This is the dead-letter queue itself (${role}); a queue behind it would only hide its messages.`;
  Validations.of(queue).acknowledge({ id: "AwsSolutions-SQS3", reason });
  Validations.of(queue).acknowledge({ id: "Serverless-SQSRedrivePolicy", reason });
  return queue;
}
