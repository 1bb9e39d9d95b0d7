/** The production ranking codec: @tensormesh/wire's ranking message (msgpack, sr25519-signed). */
import { decodeRanking, verifyRanking, type RankingMessage } from '@tensormesh/wire'
import type { RankingCodec } from './types.ts'

export const wireRankingCodec: RankingCodec<RankingMessage> = {
  decode: (bytes) => decodeRanking(bytes),
  verify: (r) => {
    try {
      verifyRanking(r)
      return true
    } catch {
      return false
    }
  },
}
