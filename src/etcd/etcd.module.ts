import { Global, Module } from '@nestjs/common';
import { EtcdService } from './etcd.service';
import { LockService } from './lock.service';

@Global()
@Module({ providers: [EtcdService, LockService], exports: [EtcdService, LockService] })
export class EtcdModule {}
