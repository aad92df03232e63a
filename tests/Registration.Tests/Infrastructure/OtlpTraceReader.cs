using System.Text;

namespace Registration.Tests.Infrastructure;

/// <summary>A span as an OTLP exporter sent it; ids in lower-case hex like <see cref="System.Diagnostics.ActivitySpanId.ToString"/>.</summary>
public sealed record ExportedSpan(
    string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads the spans of an ExportTraceServiceRequest straight from protobuf's wire format: the few fields a test asserts on
/// (OTLP trace.proto: ResourceSpans 1 > ScopeSpans 2 > scope 1 / Span 2; Span: trace_id 1, span_id 2, parent_span_id 4,
/// name 5, kind 6, attributes 9 as KeyValue key 1, AnyValue 2 > string_value 1). Everything else is skipped.
/// </summary>
public static class OtlpTraceReader
{
    public static IEnumerable<ExportedSpan> Read(ReadOnlyMemory<byte> request) =>
        from resourceSpans in Messages(request, 1)
        from scopeSpans in Messages(resourceSpans, 2)
        let scope = Messages(scopeSpans, 1).Select(s => Text(s, 1)).FirstOrDefault() ?? ""
        from span in Messages(scopeSpans, 2)
        select new ExportedSpan(
            scope,
            Hex(span, 1),
            Hex(span, 2),
            Hex(span, 4),
            Text(span, 5),
            (int)Fields(span).Where(f => f.Number == 6).Select(f => f.Varint).FirstOrDefault(),
            Messages(span, 9).ToDictionary(kv => Text(kv, 1), kv => Messages(kv, 2).Select(v => Text(v, 1)).FirstOrDefault() ?? ""));

    private static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int number) =>
        Fields(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!.Value);

    private static string Text(ReadOnlyMemory<byte> message, int number) =>
        Messages(message, number).Select(b => Encoding.UTF8.GetString(b.Span)).FirstOrDefault() ?? "";

    private static string Hex(ReadOnlyMemory<byte> message, int number) =>
        Messages(message, number).Select(b => Convert.ToHexStringLower(b.Span)).FirstOrDefault() ?? "";

    private static List<(int Number, ulong Varint, ReadOnlyMemory<byte>? Bytes)> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<(int, ulong, ReadOnlyMemory<byte>?)>();
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message.Span, ref position);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    fields.Add((number, Varint(message.Span, ref position), null));
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message.Span, ref position);
                    fields.Add((number, 0, message.Slice(position, length)));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new FormatException($"Unexpected protobuf wire type {key & 7} at byte {position}.");
            }
        }

        return fields;
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
