"use client";

import { Area, AreaChart, ResponsiveContainer, Tooltip, XAxis } from "recharts";
import { formatDate } from "@/lib/format";

export type DayCount = { day: string; count: number };

/** A small daily series (a cluster's issues over its life). */
export function Sparkline({ points, height = 80, label }: { points: DayCount[]; height?: number; label: string }) {
  return (
    <div style={{ height }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={points} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
          <XAxis dataKey="day" hide />
          <Tooltip labelFormatter={(day) => formatDate(String(day))} formatter={(value) => [value, "issues"]} />
          <Area type="monotone" dataKey="count" stroke="#4f46e5" fill="#e0e7ff" strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
