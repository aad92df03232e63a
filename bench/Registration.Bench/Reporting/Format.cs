using System.Globalization;

namespace Registration.Bench.Reporting;

internal static class Format
{
    public static string Number(double value, int decimals = 0) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "–" : value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) =>
        double.IsNaN(ratio) || double.IsInfinity(ratio) ? "–" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    public static string Met(bool? met) => met switch
    {
        true => "yes",
        false => "**no**",
        null => "–",
    };
}
