-- Forgets finished jobs: one SSCAN step over a queue's done set; each job that finished (status
-- Done) at or before the cutoff leaves the done set, and its arguments and metadata are deleted.
-- A job whose status is no longer Done (the same id queued again) is left alone.
-- KEYS[1]: the done set
-- KEYS[2]: the job data hash
-- KEYS[3]: the job metadata prefix
-- ARGV[1]: cutoff, unix seconds
-- ARGV[2]: SSCAN cursor
-- ARGV[3]: SSCAN count
-- Returns: {next cursor, jobs forgotten}
local cutoff = tonumber(ARGV[1])
local step = redis.call("SSCAN", KEYS[1], ARGV[2], "COUNT", ARGV[3])
local forgotten = 0
for _, id in ipairs(step[2]) do
    local meta_key = KEYS[3] .. ":" .. id
    local meta = redis.call("HMGET", meta_key, "status", "done_at")
    local status, done_at = meta[1], tonumber(meta[2])
    if status == false or (status == "Done" and done_at ~= nil and done_at <= cutoff) then
        redis.call("SREM", KEYS[1], id)
        if status == "Done" then
            redis.call("HDEL", KEYS[2], id)
            redis.call("DEL", meta_key)
        end
        forgotten = forgotten + 1
    end
end
return {step[1], forgotten}
