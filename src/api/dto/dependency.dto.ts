import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DEPENDENCY_ONS, DependencyOn } from '../../jobs/dependencies/dependency.model';
import { IsJobName } from './validators';

/** One entry of a job's `after`. */
export class JobDependencyDto {
  @ApiProperty({
    description:
      'A job of the same namespace, by name; it need not exist yet (the API then shows it in `danglingParents`).',
    example: 'extract',
  })
  @IsJobName()
  job!: string;

  @ApiPropertyOptional({
    enum: DEPENDENCY_ONS,
    default: 'succeeded',
    description:
      'Which end of the parent run starts this job: `succeeded`, `failed` (failed or timeout) or `completed` (any of the three).',
  })
  @IsOptional()
  @IsIn(DEPENDENCY_ONS, { message: `must be one of ${DEPENDENCY_ONS.join(', ')}` })
  on?: DependencyOn;
}

export class JobDependencyView {
  @ApiProperty() job!: string;
  @ApiProperty({ enum: DEPENDENCY_ONS }) on!: DependencyOn;
}

export class UpstreamLinkView extends JobDependencyView {
  @ApiProperty({ description: 'false: the parent does not exist (dangling).' }) exists!: boolean;
}

export class DependencyNodeView {
  @ApiProperty() job!: string;
  @ApiProperty({ description: 'false: named in an `after` but not a job (dangling).' })
  exists!: boolean;
}

export class DependencyEdgeView {
  @ApiProperty({ description: 'The parent.' }) from!: string;
  @ApiProperty({ description: 'The child.' }) to!: string;
  @ApiProperty({ enum: DEPENDENCY_ONS }) on!: DependencyOn;
}

/** A namespace's dependency graph: jobs that have or are dependencies. */
export class DependencyGraphView {
  @ApiProperty({ type: [DependencyNodeView] }) nodes!: DependencyNodeView[];
  @ApiProperty({ type: [DependencyEdgeView] }) edges!: DependencyEdgeView[];
}
