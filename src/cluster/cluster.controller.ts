import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ClusterScoped } from '../auth/cluster-scoped.decorator';
import { RequireRole } from '../auth/require-role.decorator';
import { WorkersRepository } from '../workers/workers.repository';
import { LeaderElection } from './leader-election.service';

class LeaderView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'ISO time it became leader' }) since!: string;
}

class MasterView {
  @ApiProperty() id!: string;
  @ApiProperty() host!: string;
  @ApiProperty() pid!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty() leader!: boolean;
}

class ClusterView {
  @ApiPropertyOptional({ type: LeaderView, nullable: true }) leader!: LeaderView | null;
  @ApiProperty({ type: [MasterView] }) masters!: MasterView[];
  @ApiProperty({
    description: 'live workers (see GET /api/v1/workers for details)',
    type: [Object],
  })
  workers!: { id: string; host: string; labels: Record<string, string> }[];
}

@ApiTags('cluster')
@Controller('api/v1/cluster')
export class ClusterController {
  constructor(
    private readonly election: LeaderElection,
    private readonly workers: WorkersRepository,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ClusterScoped()
  @ApiOperation({ summary: 'The leading master, all masters and the live workers' })
  @ApiOkResponse({ type: ClusterView })
  async cluster(): Promise<ClusterView> {
    const [leader, masters, workers] = await Promise.all([
      this.election.leader(),
      this.election.masters(),
      this.workers.workers(),
    ]);
    return {
      leader: leader ?? null,
      masters: masters.map((m) => ({ ...m, leader: m.id === leader?.id })),
      workers: workers.map((w) => ({ id: w.id, host: w.host, labels: w.labels })),
    };
  }
}
