import { ApiProperty } from '@nestjs/swagger';
import { JobView } from './job.dto';
import { RunSummaryView } from './run.dto';
import { JobDependencyView, UpstreamLinkView } from './dependency.dto';

export class JobDetailView extends JobView {
  @ApiProperty({
    type: [String],
    description: "The next 5 fire times, ISO 8601 with the offset of the job's time zone.",
  })
  nextFireTimes!: string[];

  @ApiProperty({ type: RunSummaryView, nullable: true, description: 'The newest run, or null.' })
  lastRun!: RunSummaryView | null;

  @ApiProperty({
    type: [String],
    description:
      "Secrets the job's env refers to that do not exist in its namespace: its runs fail until they are set.",
  })
  danglingSecrets!: string[];

  @ApiProperty({
    type: [String],
    description:
      "Parents in `after` that are not jobs (missing, or deleted): the job's dependency runs wait for them.",
  })
  danglingParents!: string[];

  @ApiProperty({
    type: [UpstreamLinkView],
    description: 'The parents of `after`, and whether each exists.',
  })
  upstream!: UpstreamLinkView[];

  @ApiProperty({ type: [JobDependencyView], description: 'The jobs that run after this one.' })
  downstream!: JobDependencyView[];
}

export class JobPageView {
  @ApiProperty({ type: [JobView] }) items!: JobView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null at the end.',
  })
  nextCursor!: string | null;
}
